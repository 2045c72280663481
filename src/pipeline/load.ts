/**
 * Reads a model file (JSON spec or ONNX), or a directory holding one (model.json, else the only
 * .json or .onnx file in it).
 */
import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ModelFormatError } from "../errors.js";
import { parseJsonModel } from "./json.js";
import type { FloatModel } from "./model.js";
import { parseOnnxModel } from "./onnx.js";

export interface LoadOptions {
  /** Overrides the input range (ONNX files do not carry one; the default is [-1, 1]). */
  inputRange?: [number, number];
  /** The model's name when the file does not give one (default: the file name). */
  name?: string;
}

export interface LoadedModel {
  file: string;
  bytes: Buffer;
  format: "json" | "onnx";
  model: FloatModel;
}

/** A model name from a file name: "1l_mlp" -> "model-1l_mlp", "my model (v2)" -> "my-model-v2". */
export function modelNameFrom(stem: string): string {
  const cleaned = stem.replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^[-.]+|[-.]+$/g, "");
  if (!cleaned) return "model";
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `model-${cleaned}`;
}

export async function resolveModelFile(target: string): Promise<string> {
  if (!existsSync(target)) throw new ModelFormatError(`model file ${target} does not exist`);
  if (!statSync(target).isDirectory()) {
    if (!/\.(json|onnx)$/i.test(target)) throw new ModelFormatError(`model file ${target} is neither a JSON spec (.json) nor an ONNX file (.onnx)`);
    return target;
  }
  if (existsSync(path.join(target, "model.json"))) return path.join(target, "model.json");
  if (existsSync(path.join(target, "manifest.json"))) {
    throw new ModelFormatError(`${target} is a build directory (it holds manifest.json), not a model: 'run' and 'model register' take it as it is; to rebuild, pass the model file`);
  }
  const candidates = (await readdir(target)).filter((f) => /\.(json|onnx)$/i.test(f) && !f.endsWith(".quantized.json"));
  if (candidates.length !== 1) {
    throw new ModelFormatError(`${target} holds ${candidates.length} model files (${candidates.join(", ") || "none"}); name one, or add a model.json`);
  }
  return path.join(target, candidates[0]);
}

export async function loadModel(target: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const file = await resolveModelFile(target);
  const bytes = await readFile(file);
  const stem = path.basename(file).replace(/\.(json|onnx)$/i, "");
  // Any file name works: the derived name keeps letters, digits, '_', '-' and '.', and starts with a letter.
  const fallback = options.name ?? modelNameFrom(stem === "model" ? path.basename(path.dirname(path.resolve(file))) : stem);
  if (/\.onnx$/i.test(file)) {
    const model = parseOnnxModel(bytes, { name: fallback, inputRange: options.inputRange });
    return { file, bytes, format: "onnx", model };
  }
  let model: FloatModel;
  try {
    model = parseJsonModel(bytes.toString("utf8"), fallback);
  } catch (error) {
    // Every message about the file names it.
    if (error instanceof ModelFormatError && !error.message.includes(file)) throw new ModelFormatError(`${file}: ${error.shortMessage}`, { details: error.details, cause: error });
    throw error;
  }
  if (options.name) model.name = options.name;
  if (options.inputRange) model.inputRange = options.inputRange;
  return { file, bytes, format: "json", model };
}
