/**
 * UPnP IGD / NAT-PMP mapping of the P2P port on the local router, so peers can connect in.
 * Failure is one log line, never an error. STUB: being implemented (issue 5).
 */
export interface PortMapping {
  /** Remove the mapping (best effort). */
  close(): Promise<void>;
}

export async function mapPort(_port: number, log: (level: 'info' | 'warn', msg: string) => void): Promise<PortMapping | null> {
  log('info', 'UPnP not implemented: forward the P2P port on your router by hand for incoming peers');
  return null;
}
