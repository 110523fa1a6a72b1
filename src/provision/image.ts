import type { ImageChoice } from '../core/options.js';

/**
 * The image the docker provider runs, primary and replicas alike: the one chosen by `--image`,
 * `image:` or the compose file (src/config/image.ts), else the official `postgres:<major>`;
 * SCHEMAGATE_POSTGRES_IMAGE replaces that default (tests, mirrors, the offline CI image).
 */

export const DEFAULT_PG_MAJOR = '18';

/** `SCHEMAGATE_POSTGRES_IMAGE` when set (tests, mirrors), else `postgres:<major>`. */
export function dockerImage(pgVersion: string | undefined): string {
  return process.env.SCHEMAGATE_POSTGRES_IMAGE || `postgres:${pgVersion ?? DEFAULT_PG_MAJOR}`;
}

/** The image to run and the report's note on it (which image, and where it came from). */
export function imageToRun(
  choice: ImageChoice | undefined,
  pgVersion: string | undefined,
): { image: string; note: string } {
  const fallback = dockerImage(pgVersion);
  if (choice === undefined) return { image: fallback, note: `image ${fallback}` };
  if (choice.name === undefined)
    return { image: fallback, note: `image ${fallback} (${choice.skipped})` };
  return { image: choice.name, note: `image ${choice.name} from ${choice.source}` };
}
