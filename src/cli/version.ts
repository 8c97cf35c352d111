/**
 * `p2pool --version` (docs/cli.md#conventions-shared-by-every-command): the package version
 * alone on the first line (what scripts read, unchanged since 0.1.0), then what the node speaks
 * to other nodes: the P2Pool protocol version and the share versions it mines and verifies.
 */
import { LOADABLE_SHARE_VERSIONS } from '../sharechain/share-codec.js';
import { PROTOCOL_VERSION } from '../p2p/peer.js';
import { SHARE_VERSION } from '../work/pool-work.js';

export function versionText(packageVersion: string): string {
  return [
    packageVersion,
    `P2Pool protocol ${PROTOCOL_VERSION}`,
    `share versions: mines ${SHARE_VERSION}; verifies ${LOADABLE_SHARE_VERSIONS.join(', ')}`,
    `Node.js ${process.versions.node}`,
  ].join('\n');
}
