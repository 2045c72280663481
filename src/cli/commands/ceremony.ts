/** `proofgrid ceremony`: a Groth16 phase-2 ceremony for a built model, recorded in the model registry. */
import path from "node:path";
import { attachProofgrid } from "../../chain/contracts.js";
import { allEvents } from "../../chain/logs.js";
import { mineBlock, supportsTimeTravel } from "../../devnet/time.js";
import { describeSetup } from "../../pipeline/ceremony.js";
import { closeCeremony, contributeToCeremony, finalizeCeremony, openCeremony } from "../../sdk/actions/ceremony.js";
import { CliError, parse, requireDeployment, signerAt, toJson, withConnection } from "../context.js";

export const CEREMONY_USAGE = `usage: proofgrid ceremony <command> [options]

A key made by one party (what 'proofgrid model build' makes alone) lets whoever made it prove any
output. A ceremony makes the key with many: each contributor multiplies in a secret it forgets, and
a block hash fixed after the last contribution closes it. Nodes stake only on releases whose
ceremony holds a contribution of their own (or of an address their operator names).

commands:
  open <build dir>                       write <build>/ceremony/0.zkey and record the ceremony; prints its id
  contribute <id> --in <zkey> --out <zkey>
                                         add a contribution (a fresh secret, forgotten) and record it
                                         under the account's address
  close <id>                             no more contributions; fixes the beacon block (coordinator)
  finalize <id> <build dir> --last <zkey>
                                         seal with the beacon block's hash, apply it, put the final
                                         key into the build (verifier and adapter remade), record it
                                         (coordinator); then 'proofgrid model register' names it
  show <id>                              the ceremony's phase, hashes and contributions

options:
  --network <name>      default localhost
  --account <index>     the account that signs (default 0: the coordinator; nodes use their own)
  --name <text>         a contributor's name, kept in the zkey (contribute)
  --ptau <file>         the powers-of-tau file the build used, when not in the local cache
  --deployments <dir>   default deployments
  --json                print JSON`;

export async function ceremonyCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") return console.log(CEREMONY_USAGE), sub === undefined ? 1 : 0;
  if (!["open", "contribute", "close", "finalize", "show"].includes(sub)) throw new CliError(`unknown ceremony command '${sub}' (run 'proofgrid ceremony --help')`);
  const { values, positionals } = parse(
    rest,
    {
      network: { type: "string", default: "localhost" },
      account: { type: "string", default: "0" },
      in: { type: "string" },
      out: { type: "string" },
      last: { type: "string" },
      name: { type: "string" },
      ptau: { type: "string" },
      deployments: { type: "string", default: "deployments" },
      json: { type: "boolean" },
    },
    2,
  );
  if (values.help) return console.log(CEREMONY_USAGE), 0;
  const print = (human: string, json: unknown) => console.log(values.json ? toJson(json) : human);
  const id = () => {
    const n = Number(positionals[0]);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`ceremony ${sub} takes a ceremony id (a whole number from 1), got ${positionals[0] ?? "nothing"}`);
    return n;
  };
  return withConnection(values.network as string, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const signer = signerAt(conn, Number(values.account), "the ceremony's signer");
    const context = { signer, contracts: attachProofgrid(deployment, signer) };
    const ptau = values.ptau as string | undefined;
    switch (sub) {
      case "open": {
        if (positionals.length !== 1) throw new CliError("ceremony open takes one build directory");
        const { ceremonyId, zkey } = await openCeremony(context, positionals[0], { ptau });
        print(`opened ceremony #${ceremonyId}; the first contributor reads ${zkey}`, { ceremonyId, zkey });
        return 0;
      }
      case "contribute": {
        if (!values.in || !values.out) throw new CliError("ceremony contribute needs --in <zkey> (the latest) and --out <zkey> (yours)");
        const c = await contributeToCeremony(context, id(), values.in as string, values.out as string, (values.name as string | undefined) ?? `proofgrid ${await signer.getAddress()}`);
        print(`contributed to ceremony #${id()}: contribution hash ${c.hash}\n(recorded as ${c.id} under ${await signer.getAddress()}); the next contributor reads ${values.out}`, { ceremonyId: id(), ...c });
        return 0;
      }
      case "close": {
        const beaconBlock = await closeCeremony(context, id());
        print(`closed ceremony #${id()}: its beacon is the hash of block ${beaconBlock}`, { ceremonyId: id(), beaconBlock });
        return 0;
      }
      case "finalize": {
        if (positionals.length !== 2 || !values.last) throw new CliError("ceremony finalize takes <id> <build dir> --last <zkey> (the last contribution's)");
        const dev = await supportsTimeTravel(signer);
        const manifest = await finalizeCeremony(context, id(), positionals[1], values.last as string, {
          ptau,
          waitForBlock: dev ? async () => mineBlock(signer) : undefined,
        });
        print(`finalized ceremony #${id()}: ${path.resolve(positionals[1])} now holds its key, ${describeSetup(manifest.setup)}; register it with 'proofgrid model register ${positionals[1]}'`, {
          ceremonyId: id(),
          zkey: manifest.zkey.hash,
          setup: manifest.setup,
        });
        return 0;
      }
      default: {
        const [c, phase] = await context.contracts.models.getCeremony(id());
        const names = ["none", "open", "closed", "sealed", "final"];
        const filter = context.contracts.models.filters.CeremonyContributed(id());
        const events = await allEvents(signer.provider!, deployment.startBlock ?? 0, (from, to) => context.contracts.models.queryFilter(filter, from, to));
        const contributions = events.map((e) => ({ index: Number(e.args.index), contributor: e.args.contributor, id: e.args.contributionHash }));
        print(
          [
            `ceremony #${id()}: ${names[Number(phase)]}, coordinator ${c.coordinator}`,
            `  weights ${c.weightsCommitment}`,
            `  r1cs ${c.r1csHash}, ptau ${c.ptauHash}`,
            ...contributions.map((x) => `  contribution ${x.index + 1}: ${x.id} by ${x.contributor}`),
            `  beacon ${c.beacon === "0x" + "0".repeat(64) ? `block ${c.beaconBlock || "(not closed)"}` : c.beacon}, final zkey ${c.finalZkey}`,
          ].join("\n"),
          {
            ceremonyId: id(),
            phase: names[Number(phase)],
            coordinator: c.coordinator,
            weightsCommitment: c.weightsCommitment,
            r1csHash: c.r1csHash,
            ptauHash: c.ptauHash,
            beaconBlock: c.beaconBlock,
            beacon: c.beacon,
            finalZkey: c.finalZkey,
            contributions,
          },
        );
        return 0;
      }
    }
  });
}
