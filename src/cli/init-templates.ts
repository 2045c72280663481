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

export const CONSUMER = (outputs: number) => `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {InferenceConsumer} from "proofgrid/contracts/consumer/InferenceConsumer.sol";
import {IInferenceHub} from "proofgrid/contracts/interfaces/IInferenceHub.sol";
import {TrustLevel} from "proofgrid/contracts/libraries/TrustLevels.sol";

/// Asks a model for an answer at the trust level of your choice and acts on it when the hub calls
/// back with the checked output: here, it remembers the answer and the class it names.
///
/// The output is the model's output vector in fixed point (real value * 2^scaleBits, see the
/// build report), or, for a model that ends in an argmax (a classifier such as the demo model),
/// one value: the class index.
contract Consumer is InferenceConsumer {
    using SafeERC20 for IERC20;

    /// Gas the hub gives the callback: enough to store the model's ${outputs} output value${outputs === 1 ? "" : "s"} (about 22,000 gas each).
    uint32 public constant CALLBACK_GAS = ${Math.max(100_000, 60_000 + 30_000 * outputs).toLocaleString("en-US").replace(/,/g, "_")};

    IERC20 public immutable token;
    uint32 public immutable modelId;
    /// The release asked for (\`major << 16 | minor\`), pinned: a request for "the latest" would
    /// follow whatever release the model's owner publishes next, with its own verifier.
    uint32 public immutable version;
    address public immutable owner;

    mapping(uint256 jobId => int256[] output) private _answers;
    uint256 public lastJob;
    /// The class the last answer names: its only value (a classifier), else its largest value's index.
    uint256 public lastClass;

    event Asked(uint256 indexed jobId, TrustLevel level);
    event Answered(uint256 indexed jobId, uint256 predictedClass);

    error ConsumerNotOwner(address caller);

    constructor(IInferenceHub hub_, IERC20 token_, uint32 modelId_, uint32 version_) InferenceConsumer(hub_) {
        token = token_;
        modelId = modelId_;
        version = version_;
        owner = msg.sender;
    }

    /// Refunds (a missed deadline, a result proven wrong) are credited to this contract, the
    /// requester, at the hub: the owner, who paid every fee, takes them out.
    function claimRefunds(address to) external returns (uint256 amount) {
        if (msg.sender != owner) revert ConsumerNotOwner(msg.sender);
        amount = hub.withdrawTo(to);
    }

    /// The owner pays \`fee\` (the model's price at \`level\` plus CALLBACK_GAS at the hub's callback
    /// gas price) and asks for the model's answer on \`input\` (fixed point, the model's scale).
    /// Only the owner, since refunds come back to it: to take fees from many users, keep who paid
    /// for each job and refund each (see proofgrid's TicketRouter example).
    function ask(int256[] calldata input, TrustLevel level, uint96 fee, uint40 deadline) external returns (uint256 jobId) {
        if (msg.sender != owner) revert ConsumerNotOwner(msg.sender);
        token.safeTransferFrom(msg.sender, address(this), fee);
        token.forceApprove(address(hub), fee);
        jobId = hub.request(
            IInferenceHub.RequestParams({
                modelId: modelId,
                version: version,
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
        // Act on it here: route a ticket, release a payment, flag a transaction...
        emit Answered(jobId, lastClass);
    }
}
`;

export const TEST = (input: number[], about: string) => `import { expect } from "chai";
import hre, { network } from "hardhat";
import { proofgridStack, TrustLevel } from "proofgrid/hardhat/testing";

// ${about}
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
        const consumer = await connection.ethers.deployContract("Consumer", [stack.hub, await token.getAddress(), stack.modelId(), stack.version()], user);
        const fee = await stack.quote(level, Number(await consumer.CALLBACK_GAS()));
        await stack.mint(user.address, fee);
        await (await token.approve(await consumer.getAddress(), fee)).wait();
        const input = stack.quantize(INPUT);
        const block = await connection.ethers.provider.getBlock("latest");
        await (await consumer.connect(user).ask(input, level, fee, block!.timestamp + 3600)).wait();
        const jobId = await consumer.lastJob();
        await stack.settle(jobId);
        // The callback carried the output every honest node computes for this input, and the
        // consumer acted on it.
        const output = stack.evaluate(input);
        expect(await consumer.answer(jobId)).to.deep.equal(output);
        const named = output.length === 1 ? (output[0] > 0n ? output[0] : 0n) : BigInt(output.indexOf(output.reduce((a, b) => (b > a ? b : a))));
        expect(await consumer.lastClass()).to.equal(named);
      } finally {
        await stack.stop();
      }
    });
  }
});
`;

export const DEPLOY = `/**
 * Deploys the Consumer against the network's proofgrid deployment (deployments/<chainId>.json,
 * written by 'npx hardhat proofgrid deploy'; PROOFGRID_HUB and PROOFGRID_TOKEN override it) and the
 * model id and release 'npx hardhat proofgrid register' printed (PROOFGRID_MODEL_ID, default 1;
 * PROOFGRID_RELEASE, default 1.0):
 *   npx hardhat run scripts/deploy.ts --network sepolia
 * (SEPOLIA_RPC_URL and SEPOLIA_PRIVATE_KEY from the environment or 'npx hardhat keystore set').
 */
import { readFile } from "node:fs/promises";
import { network } from "hardhat";

const { ethers } = await network.create();
const chainId = (await ethers.provider.getNetwork()).chainId;
let deployment: { contracts?: { hub?: string; token?: string } } = {};
try {
  deployment = JSON.parse(await readFile(\`deployments/\${chainId}.json\`, "utf8"));
} catch {
  // none: the environment must name them
}
const hub = process.env.PROOFGRID_HUB ?? deployment.contracts?.hub;
const token = process.env.PROOFGRID_TOKEN ?? deployment.contracts?.token;
if (!hub || !token) throw new Error(\`no proofgrid deployment on chain \${chainId}: run npx hardhat proofgrid deploy, or set PROOFGRID_HUB and PROOFGRID_TOKEN\`);
// The release the consumer pins (PROOFGRID_RELEASE, "major.minor", default 1.0).
const [major, minor] = (process.env.PROOFGRID_RELEASE ?? "1.0").split(".").map(Number);
const consumer = await ethers.deployContract("Consumer", [hub, token, Number(process.env.PROOFGRID_MODEL_ID ?? 1), major * 65_536 + minor]);
await consumer.waitForDeployment();
console.log(\`Consumer deployed at \${await consumer.getAddress()}\`);
`;

export const README = (model: string) => `# A proofgrid app
\`contracts/Consumer.sol\` asks the model \`${model}\` for answers through proofgrid and acts on each checked one.
\`npm test\` runs it on an in-process network with real proofs, enclave signatures and VANILLA results.
\`npx hardhat proofgrid build\` builds the model's circuit and verifier into \`build/proofgrid\` and \`contracts/proofgrid\`.
Deploy: \`npx hardhat proofgrid deploy --network sepolia\` (where proofgrid is not deployed yet), \`npx hardhat proofgrid register --network sepolia\`, then \`npm run deploy -- --network sepolia\`.
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
