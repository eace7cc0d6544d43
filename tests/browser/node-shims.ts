// Browser stand-ins for the few Node builtins the packages import at module load (source
// locations, dump folders). Locations then print the bundle's URL; no file is ever written.
export const fileURLToPath = (u: string | URL): string => String(u);
export const dirname = (p: string): string => p.slice(0, p.lastIndexOf("/")) || "/";
export const resolve = (...parts: string[]): string => parts.join("/");
export const relative = (_from: string, to: string): string => to;
export const mkdirSync = (): never => {
  throw new Error("no file system in the browser");
};
export const writeFileSync = mkdirSync;
export const readFileSync = mkdirSync;
export const renameSync = mkdirSync;
export const rmSync = mkdirSync;
/** The default-backend check looks for GPU device nodes only on Linux; a page has none. */
export const existsSync = (): boolean => false;
export const readdirSync = (): string[] => [];
export const join = (...parts: string[]): string => parts.join("/");
export default { dirname, resolve, relative, join };
