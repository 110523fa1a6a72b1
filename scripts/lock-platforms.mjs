// The npm registry mirror used here lacks some of rollup's per-platform optional packages, so
// `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock. This
// adds lock entries for them (os/cpu/libc-restricted and optional: installed nowhere they don't
// match). Run it after changing dependencies: `npm install && node scripts/lock-platforms.mjs`.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = [
  'android-arm-eabi',
  'android-arm64',
  'android-x64',
  'darwin-arm64',
  'darwin-x64',
  'freebsd-arm64',
  'freebsd-x64',
  'linux-arm-gnueabihf',
  'linux-arm-musleabihf',
  'linux-arm64-gnu',
  'linux-arm64-musl',
  'linux-loong64-gnu',
  'linux-loong64-musl',
  'linux-ppc64-gnu',
  'linux-ppc64-musl',
  'linux-riscv64-gnu',
  'linux-riscv64-musl',
  'linux-s390x-gnu',
  'linux-x64-gnu',
  'linux-x64-musl',
  'openbsd-x64',
  'openharmony-arm64',
  'win32-arm64-msvc',
  'win32-ia32-msvc',
  'win32-x64-gnu',
  'win32-x64-msvc',
];

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const rollup = lock.packages['node_modules/rollup'];
let added = 0;
for (const platform of PLATFORMS) {
  const name = `@rollup/rollup-${platform}`;
  const key = `node_modules/${name}`;
  if (!rollup?.optionalDependencies?.[name] || lock.packages[key]) continue;
  const [os, cpu, abi = ''] = platform.split('-');
  const entry = { version: rollup.version, cpu: [cpu], license: 'MIT', optional: true, os: [os] };
  if (os === 'linux') entry.libc = [abi.includes('musl') ? 'musl' : 'glibc'];
  lock.packages[key] = entry;
  added++;
}
writeFileSync('package-lock.json', `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} optional platform entries`);
