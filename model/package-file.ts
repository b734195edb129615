/**
 * A file the code reads at run time, by its path in the repository (`scenarios/requirements.json`). This module
 * sits one level under the tree that holds such files in every layout the package runs in: the sources
 * (`model/`), the compiled library (`dist/model/`) and the bundled CLI (`dist/cli/`, where every module's
 * import.meta.url is its chunk's). So `../<path>` is the file wherever the module that asks was compiled or
 * bundled to (scripts/build.ts copies the files into dist/).
 */
export function packageFile(path: string): URL {
  return new URL(`../${path}`, import.meta.url)
}
