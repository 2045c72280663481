/** `proofgrid bonds`: ZK releases' soundness bonds, and the claims of a frozen release. */
import { formatUnits } from "ethers";
import { attachProofgrid, TOKEN } from "../../chain/contracts.js";
import { parseVersion, unpackVersion } from "../../protocol/index.js";
import { bondStatus, claimForfeit, payForfeitClaim, postBond } from "../../sdk/actions/bonds.js";
import { CliError, parse, requireDeployment, signerAt, toJson, withConnection } from "../context.js";

export const BONDS_USAGE = `usage: proofgrid bonds <command> [options]

A ZK release serves ZK jobs only once its owner has posted a soundness bond. Two valid proofs of
different outputs for one input prove the release unsound: it is frozen for good and the bond is
forfeit (half to the treasury, a tenth to whoever proved it, the rest to the requesters of its
settled ZK jobs who claim within 14 days).

commands:
  show <modelId> [release]     the bond, whether the release is bonded or frozen, and its claims
  post <modelId> [release]     post the bond (default: what is missing to the minimum; --amount)
  claim <jobId>                register a settled ZK job of a frozen release for its share
  pay <jobId>                  after the claim window: pay a registered job's requester

options:
  --amount <tokens>     whole tokens to post
  --network <name>      default localhost
  --account <index>     the account that signs (default 0)
  --deployments <dir>   default deployments
  --json                print JSON`;

export async function bondsCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") return console.log(BONDS_USAGE), sub === undefined ? 1 : 0;
  if (!["show", "post", "claim", "pay"].includes(sub)) throw new CliError(`unknown bonds command '${sub}' (run 'proofgrid bonds --help')`);
  const { values, positionals } = parse(
    rest,
    {
      network: { type: "string", default: "localhost" },
      account: { type: "string", default: "0" },
      amount: { type: "string" },
      deployments: { type: "string", default: "deployments" },
      json: { type: "boolean" },
    },
    2,
  );
  if (values.help) return console.log(BONDS_USAGE), 0;
  const print = (human: string, json: unknown) => console.log(values.json ? toJson(json) : human);
  const whole = (what: string, text: string | undefined) => {
    if (text === undefined || !/^\d+$/.test(text)) throw new CliError(`bonds ${sub} takes ${what} (a whole number), got ${text ?? "nothing"}`);
    return BigInt(text);
  };
  if (values.amount !== undefined && !/^\d+$/.test(values.amount as string)) throw new CliError(`--amount ${values.amount}: a whole number of tokens`);
  return withConnection(values.network as string, async (conn) => {
    const deployment = await requireDeployment(values.deployments as string, conn);
    const signer = signerAt(conn, Number(values.account), "the signer");
    const context = { signer, contracts: attachProofgrid(deployment, signer) };
    const release = async () => {
      const modelId = Number(whole("a model id", positionals[0]));
      if (positionals[1] === undefined) return { modelId, version: Number((await context.contracts.models.getRelease(modelId, 0))[0]) };
      const version = parseVersion(positionals[1]);
      if (version === undefined) throw new CliError(`bonds ${sub}: release ${positionals[1]} is not major.minor (e.g. 1.0)`);
      return { modelId, version };
    };
    switch (sub) {
      case "show": {
        const { modelId, version } = await release();
        const s = await bondStatus(context, modelId, version);
        const state = s.frozen ? "FROZEN as unsound" : s.bonded ? "bonded: serves ZK jobs" : "not bonded: serves no ZK job";
        const lines = [`model #${modelId} release ${unpackVersion(version)}: ${state}`, `  bond ${formatUnits(s.amount)} PGT (minimum ${formatUnits(s.minBond)})${s.withdrawableAt ? `, withdrawable at ${new Date(Number(s.withdrawableAt) * 1000).toISOString()}` : ""}`];
        if (s.forfeit) lines.push(`  forfeit: ${formatUnits(s.forfeit.pool)} PGT for ${s.forfeit.claims} claim(s), claims until ${new Date(Number(s.forfeit.claimsEnd) * 1000).toISOString()}${s.forfeit.perJob === undefined ? "" : `, ${formatUnits(s.forfeit.perJob)} PGT each`}`);
        print(lines.join("\n"), s);
        return 0;
      }
      case "post": {
        const { modelId, version } = await release();
        const amount = values.amount === undefined ? undefined : BigInt(values.amount as string) * TOKEN;
        const before = (await context.contracts.bonds.bondOf(modelId, version)).amount;
        const total = await postBond(context, modelId, version, amount);
        const posted = total - BigInt(before);
        print(
          posted === 0n ? `model #${modelId}: already bonded at the minimum (${formatUnits(total)} PGT); --amount adds more` : `model #${modelId}: posted ${formatUnits(posted)} PGT; bond ${formatUnits(total)} PGT`,
          { modelId, version, posted, total },
        );
        return 0;
      }
      case "claim": {
        const jobId = whole("a job id", positionals[0]);
        await claimForfeit(context, jobId);
        print(`job ${jobId}: claim registered; 'proofgrid bonds pay ${jobId}' once the claim window has closed`, { jobId, claimed: true });
        return 0;
      }
      default: {
        const jobId = whole("a job id", positionals[0]);
        const paid = await payForfeitClaim(context, jobId);
        print(`job ${jobId}: paid ${formatUnits(paid)} PGT to its requester`, { jobId, paid });
        return 0;
      }
    }
  });
}
