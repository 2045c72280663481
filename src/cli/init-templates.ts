/** The files `proofgrid init` writes: a Hardhat 3 project that uses proofgrid through its plugin. */

export const HARDHAT_CONFIG = (model: string) => `import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";
import proofgrid, { solidityCompiler } from "proofgrid/hardhat";

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, proofgrid],
  // The npm solc package, as proofgrid checks its verifiers with: no compiler download.
  solidity: { profiles: { default: { compilers: [solidityCompiler] } } },
  // The models \`npx hardhat proofgrid build\` builds and the tests' stack registers.
  proofgrid: { models: ["${model}"] },
  networks: {
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("SEPOLIA_PRIVATE_KEY")],
    },
  },
});
`;

export const CONSUMER = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {InferenceConsumer} from "proofgrid/contracts/consumer/InferenceConsumer.sol";
import {IInferenceHub} from "proofgrid/contracts/interfaces/IInferenceHub.sol";
import {TrustLevel} from "proofgrid/contracts/libraries/TrustLevels.sol";

/// Asks a model for an answer at the trust level of your choice and acts on it when the hub calls
/// back with the checked output: here, it remembers the answer and the class it names.
contract Consumer is InferenceConsumer {
    using SafeERC20 for IERC20;

    uint32 public constant CALLBACK_GAS = 100_000;

    IERC20 public immutable token;
    uint32 public immutable modelId;

    mapping(uint256 jobId => int256[] output) private _answers;
    uint256 public lastJob;
    /// The index of the largest output of the last answer: the predicted class.
    uint256 public lastClass;

    event Asked(uint256 indexed jobId, TrustLevel level);
    event Answered(uint256 indexed jobId, uint256 predictedClass);

    constructor(IInferenceHub hub_, IERC20 token_, uint32 modelId_) InferenceConsumer(hub_) {
        token = token_;
        modelId = modelId_;
    }

    /// Pays \`fee\` (the model's price at \`level\` plus CALLBACK_GAS at the hub's callback gas price)
    /// and asks for the model's answer on \`input\` (fixed point, the model's scale).
    function ask(int256[] calldata input, TrustLevel level, uint96 fee, uint40 deadline) external returns (uint256 jobId) {
        token.safeTransferFrom(msg.sender, address(this), fee);
        token.forceApprove(address(hub), fee);
        jobId = hub.request(
            IInferenceHub.RequestParams({
                modelId: modelId,
                version: 0,
                level: level,
                fee: fee,
                deadline: deadline,
                consumer: address(this),
                callbackGasLimit: CALLBACK_GAS,
                input: input
            })
        );
        lastJob = jobId;
        emit Asked(jobId, level);
    }

    function answer(uint256 jobId) external view returns (int256[] memory) {
        return _answers[jobId];
    }

    function _onInferenceResult(uint256 jobId, int256[] calldata output) internal override {
        _answers[jobId] = output;
        uint256 best;
        for (uint256 i = 1; i < output.length; ++i) {
            if (output[i] > output[best]) best = i;
        }
        lastClass = output.length == 1 ? uint256(output[0] > 0 ? output[0] : int256(0)) : best;
        emit Answered(jobId, lastClass);
    }
}
`;

export const TEST = (input: number[]) => `import { expect } from "chai";
import hre, { network } from "hardhat";
import { proofgridStack, TrustLevel } from "proofgrid/hardhat/testing";

const INPUT = ${JSON.stringify(input)};

describe("Consumer", function () {
  this.timeout(300_000);

  for (const level of [TrustLevel.ZK, TrustLevel.TEE, TrustLevel.VANILLA]) {
    it(\`gets a settled, checked answer at \${TrustLevel[level]} and acts on it\`, async function () {
      const connection = await network.create();
      // proofgrid deployed on this network, the configured model registered, a node per level.
      const stack = await proofgridStack(hre, connection);
      try {
        const [, user] = await connection.ethers.getSigners();
        const token = stack.contracts.token.connect(user);
        const consumer = await connection.ethers.deployContract("Consumer", [stack.hub, await token.getAddress(), stack.modelId()]);
        const fee = await stack.quote(level, Number(await consumer.CALLBACK_GAS()));
        await stack.mint(user.address, fee);
        await (await token.approve(await consumer.getAddress(), fee)).wait();
        const input = stack.quantize(INPUT);
        const block = await connection.ethers.provider.getBlock("latest");
        await (await consumer.connect(user).ask(input, level, fee, block!.timestamp + 3600)).wait();
        const jobId = await consumer.lastJob();
        await stack.settle(jobId);
        // The callback carried the output every honest node computes for this input.
        expect(await consumer.answer(jobId)).to.deep.equal(stack.evaluate(input));
      } finally {
        await stack.stop();
      }
    });
  }
});
`;

export const DEPLOY = `/**
 * Deploys the Consumer against an existing proofgrid deployment:
 *   PROOFGRID_HUB=0x... PROOFGRID_TOKEN=0x... PROOFGRID_MODEL_ID=1 npx hardhat run scripts/deploy.ts --network sepolia
 * (SEPOLIA_RPC_URL and SEPOLIA_PRIVATE_KEY from the environment or 'npx hardhat keystore set').
 */
import { network } from "hardhat";

const need = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(\`\${name} is not set\`);
  return value;
};

const { ethers } = await network.create();
const consumer = await ethers.deployContract("Consumer", [need("PROOFGRID_HUB"), need("PROOFGRID_TOKEN"), Number(need("PROOFGRID_MODEL_ID"))]);
await consumer.waitForDeployment();
console.log(\`Consumer deployed at \${await consumer.getAddress()}\`);
`;

export const README = (model: string) => `# A proofgrid app
\`contracts/Consumer.sol\` asks the model \`${model}\` for answers through proofgrid and acts on each checked one.
\`npm test\` runs it on an in-process network with real proofs, enclave signatures and VANILLA results.
\`npx hardhat proofgrid build\` builds the model's circuit and verifier into \`build/proofgrid\` and \`contracts/proofgrid\`.
Deploy with \`npx hardhat run scripts/deploy.ts --network sepolia\` (see the script's header).
`;

export const TSCONFIG = `{
  "compilerOptions": {
    "lib": ["es2023"],
    "module": "node16",
    "target": "es2022",
    "strict": true,
    "esModuleInterop": true,
    "skipLibCheck": true,
    "resolveJsonModule": true,
    "noEmit": true
  }
}
`;

export const GITIGNORE = `node_modules/
artifacts/
cache/
types/
build/
`;
