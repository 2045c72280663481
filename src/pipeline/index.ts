/** The model pipeline (`proofgrid/pipeline`): model file -> quantized model -> circuit -> keys -> Solidity verifier, and proving. */
export { buildModel, type BuildOptions, type BuildResult } from "./build.js";
export { loadModel, modelNameFrom } from "./load.js";
export { parseOnnxModel } from "./onnx.js";
export { parseJsonModel } from "./json.js";
export { evaluateFloat, validateModel, type FloatLayer, type FloatModel } from "./model.js";
export { quantize, formatReport, type QuantizationReport, type QuantizeOptions } from "./quantize.js";
export { loadArtifacts, proveInference, verifyInference, releaseProver, type ModelArtifacts, type InferenceProof } from "./prove.js";
export { FUNCTIONS } from "./functions.js";
export { evaluate, quantizeInput, toReal, type QuantizedModel } from "../engine/fixed.js";
export {
  applyBeacon,
  BEACON_ITERATIONS_EXP,
  contribute,
  describeSetup,
  initialZkey,
  readTranscript,
  SetupError,
  verifySetup,
  type Contribution,
  type SetupRecord,
  type Transcript,
  type TranscriptEntry,
} from "./ceremony.js";
export { adoptCeremonyKey, findPtau } from "./adopt.js";
