/** Release numbers and keys, packed as the model and node registries pack them. */

/** A release as the node registry keys it: modelId << 32 | version. */
export function releaseKey(modelId: number | bigint, version: number | bigint): bigint {
  return (BigInt(modelId) << 32n) | BigInt(version);
}

/** Packs a release version as the registry does: major << 16 | minor. */
export function packVersion(major: number, minor: number): number {
  if (!Number.isInteger(major) || !Number.isInteger(minor) || major < 0 || minor < 0 || major > 0xffff || minor > 0xffff) {
    throw new RangeError(`version ${major}.${minor}: major and minor must be integers in 0..65535`);
  }
  return major * 65_536 + minor;
}

/** What a release's proof keys rest on, for people: its ceremony id (0: a single-party development key). */
export function describeKeys(ceremonyId: number): string {
  return ceremonyId === 0 ? "single-party development key (its maker could prove any output)" : `multi-party ceremony #${ceremonyId}`;
}

/** "major.minor" of a packed version. */
export function unpackVersion(version: number | bigint): string {
  const v = Number(version);
  return `${Math.floor(v / 65_536)}.${v % 65_536}`;
}

/** A packed version from "major.minor" (e.g. "1.0"); undefined when it is not one. */
export function parseVersion(text: string): number | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  try {
    return packVersion(Number(match[1]), Number(match[2]));
  } catch {
    return undefined;
  }
}
