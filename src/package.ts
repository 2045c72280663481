/** Where the package is installed: circuits/lib, contracts/ and node_modules (circom2, circomlib) live there. */
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
