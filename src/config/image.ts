import { InputError } from '../core/errors.js';
import type { ImageChoice } from '../core/options.js';
import { postgresMajorOfImage } from './compose-hint.js';
import { composePostgres, interpolated } from './compose.js';

/**
 * The docker provider's image: `--image`, else `image:` in the config file, else the image of
 * the compose file's Postgres service (the one development runs, with the extensions the
 * migrations create), else the provider's default, `postgres:<major>` (src/provision/image.ts).
 * Any image that honours the official `postgres` image's contract runs the same way.
 */

// A registry host with a port, a path, a tag and a digest; no spaces, no leading dash.
export const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;

export const IMAGE_EXPECTED = 'an image NAME:TAG, e.g. pgvector/pgvector:pg17';

export function checkImage(what: string, value: string): string {
  const image = value.trim();
  if (!IMAGE_REF.test(image))
    throw new InputError(`${what}: expected ${IMAGE_EXPECTED}, got "${value}"`);
  return image;
}

export interface ComposeImage {
  file: string;
  service: string;
  /** The image as the compose file writes it. */
  declared: string;
  /** With `${VAR:-default}` resolved; undefined when a variable has no default. */
  image?: string;
  /** For a service built from a Dockerfile: where its FROM is, and the RUN steps it adds. */
  built?: { dockerfile: string; runs: Array<{ line: number; text: string }> };
}

/** The image of the compose file's primary Postgres service, if it names one. */
export function composeImage(repoRoot: string): ComposeImage | undefined {
  const pg = composePostgres(repoRoot);
  if (!pg?.image) return undefined;
  const built = pg.dockerfile && { dockerfile: pg.dockerfile.file, runs: pg.dockerfile.runs };
  const image = pg.dockerfile ? pg.dockerfile.from : interpolated(pg.image);
  return {
    file: pg.file,
    service: pg.service,
    declared: pg.image,
    ...(image ? { image } : {}),
    ...(built ? { built } : {}),
  };
}

/** `, built FROM it in docker/Dockerfile (its 2 RUN steps are not in that image)` */
function builtFrom(built: ComposeImage['built']): string {
  if (!built) return '';
  const n = built.runs.length;
  const runs = n ? ` (its ${n} RUN step${n === 1 ? ' is' : 's are'} not in that image)` : '';
  return `, built FROM it in ${built.dockerfile}${runs}`;
}

/**
 * bitnami/postgresql and its kin have other variables, another user and a start script of their
 * own; other images named postgresql (a team's own, built FROM the official one) follow it.
 */
export function followsOfficialContract(image: string): boolean {
  const path = image.split('@')[0].split(/:(?=[^/]*$)/)[0];
  return !/(^|\/)bitnami\/postgresql(-repmgr)?$/.test(path);
}

/** `--image` > `image:` > the compose file's Postgres service; undefined: the provider's default. */
export function imageOf(
  given: { flag?: string; config?: string; configFile?: string; pgVersion?: string },
  repoRoot: string,
): ImageChoice | undefined {
  if (given.flag) return { name: checkImage('--image', given.flag), source: '--image' };
  if (given.config) {
    const file = given.configFile ?? '.schemagate.yml';
    return { name: checkImage(`${file}: image`, given.config), source: file };
  }
  return composeDefault(repoRoot, given.pgVersion);
}

function composeDefault(repoRoot: string, pgVersion: string | undefined): ImageChoice | undefined {
  const compose = composeImage(repoRoot);
  if (!compose) return undefined;
  const where = `${compose.file} service ${compose.service}${builtFrom(compose.built)}`;
  if (!compose.image)
    return { skipped: `${where}'s image ${compose.declared} names a variable without a default` };
  if (!followsOfficialContract(compose.image))
    return {
      skipped: `${where} runs ${compose.image}, which does not follow the official postgres image's contract; set image: to one that does`,
    };
  const major = postgresMajorOfImage(compose.image);
  // An explicit version wins over the compose file's image when the two disagree.
  if (pgVersion && major && major !== pgVersion)
    return {
      skipped: `${where} runs ${compose.image} (Postgres ${major}) and Postgres ${pgVersion} is asked for`,
    };
  return { name: compose.image, source: where };
}
