// One-time move of a data folder written by tokenlake versions that kept the local lake in an
// embedded S3 server (s3rver: `<bucket>/<key>._S3rver_object` plus `.md5` and `_metadata.json`
// files) into the plain-file layout (`<bucket>/<key>`). Each object is renamed in place (atomic),
// then its two side files go; a crash part-way leaves a folder the next start finishes. An object
// that exists in both forms keeps the plain file (written later by this version) and drops the old.

import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const OBJECT_SUFFIX = '._S3rver_object';
const SIDE_FILES = ['._S3rver_object.md5', '._S3rver_metadata.json'];

interface MigrationResult {
  objects: number;
  /** Old copies dropped because the plain file was already there. */
  superseded: number;
}

/** Migrates `<dataDir>/<bucket>/` if it holds s3rver objects; cheap when it does not. */
export function migrateS3rverLayout(dataDir: string, bucket: string): MigrationResult {
  const result: MigrationResult = { objects: 0, superseded: 0 };
  const root = join(dataDir, bucket);
  if (!existsSync(root)) return result;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        walk(path);
        continue;
      }
      if (!e.name.endsWith(OBJECT_SUFFIX)) continue;
      const plain = path.slice(0, -OBJECT_SUFFIX.length);
      if (existsSync(plain)) {
        rmSync(path, { force: true });
        result.superseded++;
      } else {
        renameSync(path, plain);
        result.objects++;
      }
      for (const side of SIDE_FILES) rmSync(plain + side, { force: true });
    }
    // Side files whose object is already gone (a crash between the rename and their removal).
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isFile() && SIDE_FILES.some((side) => e.name.endsWith(side))) rmSync(join(dir, e.name), { force: true });
    }
  };
  if (!hasS3rverFiles(root)) return result;
  walk(root);
  return result;
}

/** Whether any s3rver file is left under the folder (stops at the first). */
function hasS3rverFiles(dir: string): boolean {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && (e.name.endsWith(OBJECT_SUFFIX) || SIDE_FILES.some((s) => e.name.endsWith(s)))) return true;
    if (e.isDirectory() && hasS3rverFiles(join(dir, e.name))) return true;
  }
  return false;
}
