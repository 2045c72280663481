// The parts of snarkjs 0.7 that proofgrid calls (the package ships no types).
declare module "snarkjs" {
  export interface Logger {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  }
  export interface Groth16Proof {
    pi_a: string[];
    pi_b: string[][];
    pi_c: string[];
    protocol: string;
    curve: string;
  }
  export interface CurveGroup {
    fromRprLEM(buffer: Uint8Array, offset: number): unknown;
    toRprUncompressed(buffer: Uint8Array, offset: number, point: unknown): void;
  }
  export interface Curve {
    G1: CurveGroup;
    G2: CurveGroup;
    terminate(): Promise<void>;
  }
  export type VerificationKey = Record<string, unknown> & { nPublic: number };
  export const groth16: {
    fullProve(
      input: Record<string, unknown>,
      wasmFile: string,
      zkeyFile: string,
      logger?: Logger,
    ): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vk: VerificationKey, publicSignals: readonly (string | bigint)[], proof: Groth16Proof, logger?: Logger): Promise<boolean>;
  };
  export const powersOfTau: {
    newAccumulator(curve: Curve, power: number, file: string, logger?: Logger): Promise<unknown>;
    contribute(oldFile: string, newFile: string, name: string, entropy: string, logger?: Logger): Promise<unknown>;
    preparePhase2(oldFile: string, newFile: string, logger?: Logger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1csFile: string, ptauFile: string, zkeyFile: string, logger?: Logger): Promise<unknown>;
    /** Returns the 64-byte contribution hash. */
    contribute(oldFile: string, newFile: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
    /** Returns false (and logs) for a malformed beacon. */
    beacon(oldFile: string, newFile: string, name: string, beaconHashHex: string, iterationsExp: number, logger?: Logger): Promise<unknown>;
    verifyFromR1cs(r1csFile: string, ptauFile: string, zkeyFile: string, logger?: Logger): Promise<boolean>;
    exportVerificationKey(zkeyFile: string, logger?: Logger): Promise<VerificationKey>;
    exportSolidityVerifier(zkeyFile: string, templates: { groth16: string }, logger?: Logger): Promise<string>;
  };
  export const curves: {
    getCurveFromName(name: string, options?: object): Promise<Curve>;
  };
}
