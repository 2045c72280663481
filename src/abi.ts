/** The ABIs of proofgrid's contracts (`proofgrid/abi`), for viem, ethers or any other client. */
import {
  CommitteeCourt__factory,
  Groth16InferenceAdapter__factory,
  InferenceHub__factory,
  ModelRegistry__factory,
  NodeRegistry__factory,
  ProofgridToken__factory,
  RootKeyAttestationVerifier__factory,
  SoundnessBonds__factory,
  TEERegistry__factory,
} from "./chain/types/index.js";

export const inferenceHubAbi = InferenceHub__factory.abi;
export const committeeCourtAbi = CommitteeCourt__factory.abi;
export const soundnessBondsAbi = SoundnessBonds__factory.abi;
export const modelRegistryAbi = ModelRegistry__factory.abi;
export const nodeRegistryAbi = NodeRegistry__factory.abi;
export const teeRegistryAbi = TEERegistry__factory.abi;
export const proofgridTokenAbi = ProofgridToken__factory.abi;
export const rootKeyAttestationVerifierAbi = RootKeyAttestationVerifier__factory.abi;
export const groth16InferenceAdapterAbi = Groth16InferenceAdapter__factory.abi;
