/**
 * One UDP socket for the media of every WebRTC leg (ICE over a single port, as media servers
 * do), in place of werift's one socket per leg and per host address.
 *
 * Why: with one socket per leg, the agents' packets of one 20 ms frame land on as many sockets
 * as there are calls, and the event loop takes each in its own readiness event, callback and
 * read that finds the socket empty; one busy socket is drained many datagrams a wake-up. In the
 * media bench's floor, one SRTP stream per call received from another process cost ~5 µs a
 * packet more over one socket per stream than over one socket (29.6 against 23.8 µs, median of
 * 9 alternating rounds at 100 streams). One port is also one port to open in a firewall.
 *
 * How: each leg's werift ICE agent gets, before it gathers, a host candidate on the shared
 * socket (`attach`): a werift `StunProtocol` whose transport is this leg's `MuxedTransport`.
 * werift then gathers no socket of its own (it skips addresses it already has a candidate on,
 * and is told no other), and runs ICE, consent and DTLS as it always does. Incoming datagrams
 * go to the leg whose peer sent them: by the sender's address once known, else, for a STUN
 * Binding request, to the leg whose ICE username fragment its USERNAME names (ours, first) and
 * whose password its MESSAGE-INTEGRITY verifies with, which binds that address to the leg.
 * Anything else from an unknown address is dropped, as no leg asked for it.
 */
import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { once } from 'node:events';
import { isIP } from 'node:net';
import { Candidate, candidateFoundation, candidatePriority, parseMessage, StunProtocol } from 'werift';
import { readStun, stunKey } from './stun';

/** What of werift's ICE `Connection` the mux uses (checked at attach). */
interface IceConnectionLike {
  localUsername: string;
  localPassword: string;
  generation: number;
  protocols: unknown[];
  options: { useIpv4?: boolean; useIpv6?: boolean; additionalHostAddresses?: string[] };
  localCandidatesStart: boolean;
  ensureProtocol(protocol: StunProtocol): void;
  pairLocalProtocol(protocol: StunProtocol): void;
}

function isIceConnection(value: unknown): value is IceConnectionLike {
  const c = value as Partial<IceConnectionLike> | undefined;
  return (
    typeof c?.localUsername === 'string' &&
    typeof c.localPassword === 'string' &&
    typeof c.generation === 'number' &&
    Array.isArray(c.protocols) &&
    typeof c.options === 'object' &&
    c.options !== null &&
    c.localCandidatesStart === false &&
    typeof c.ensureProtocol === 'function' &&
    typeof c.pairLocalProtocol === 'function'
  );
}

/**
 * The username fragment a STUN Binding request is addressed to (RFC 8445 §7.2.2: USERNAME is
 * "theirs:ours", the receiver's fragment first), or null when `data` is no such request.
 */
export function bindingRequestTarget(data: Buffer): string | null {
  // werift's own parser (off the per-packet path: only a datagram from an unknown address comes here).
  const message = parseMessage(data);
  if (!message || message.messageMethod !== 1 || message.messageClass !== 0) return null; // BINDING, REQUEST
  const username: unknown = message.getAttributeValue('USERNAME');
  if (typeof username !== 'string') return null;
  const colon = username.indexOf(':');
  return colon > 0 ? username.slice(0, colon) : null;
}

/**
 * The address lookup of a media socket: an IP address is answered at once, anything else goes to
 * `dns.lookup` as dgram's default does.
 *
 * Why: dgram resolves the address of every `send`, and `dns.lookup` answers even an IP address
 * on the next tick, so each datagram queued a tick entry and kept its closure, buffer list and
 * send request alive until the tick queue ran after the whole media clock tick. In the media
 * bench's allocation profile at 100 calls that tick entry alone was 13 % of the sandbox's bytes
 * allocated; in paired 5 s windows switching only this lookup at run time (14 pairs), a packet
 * cost a median 2.8 µs less answered at once, 9 of 14 pairs cheaper. Answered at once, dgram
 * hands the datagram to the kernel before `send` returns.
 */
export const ipLookup: NonNullable<SocketOptions['lookup']> = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, options, callback);
};

/**
 * A UDP socket for media (IPv4) bound to `address`:`port` (0: any free port), whose sends to an
 * IP address skip dns.lookup's tick (`ipLookup`). Rejects with the socket's error (the socket
 * closed) when it cannot bind.
 */
export async function bindMediaSocket(address: string, port = 0): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', lookup: ipLookup });
  // Listened for before `bind`: with `ipLookup` a bind to an IP address succeeds, or fails, inside the call.
  const listening = once(socket, 'listening'); // rejects with the socket's 'error'
  socket.bind(port, address);
  try {
    await listening;
  } catch (error) {
    socket.close();
    throw error;
  }
  return socket;
}

/** A peer address bound to a leg. */
interface Route {
  address: string;
  transport: MuxedTransport;
}

/** One leg's share of the mux, shaped as werift's `UdpTransport` (werift's StunProtocol uses it as its own). */
export class MuxedTransport {
  readonly type = 'udp';
  readonly socketType = 'udp4';
  closed = false;
  /** The last datagram's sender: werift's `send` without an address answers it. */
  rinfo: RemoteInfo | undefined;
  /** werift's StunProtocol takes every datagram the interceptor leaves. */
  onData: (data: Buffer, addr: [string, number]) => void = () => undefined;
  /**
   * Sees each datagram first, with its sender; true when it took it (the RTP fast path takes
   * SRTP and consent checks, srtp-path.ts). One property, not a list: one fast path a leg.
   */
  intercept: ((data: Buffer, rinfo: RemoteInfo) => boolean) | null = null;

  constructor(
    private readonly mux: UdpMux,
    readonly connection: IceConnectionLike,
  ) {}

  get socket(): Socket {
    return this.mux.socket;
  }

  get address(): { address: string; port: number; family: string } {
    return this.mux.socket.address();
  }

  get host(): string {
    return this.mux.socket.address().address;
  }

  get port(): number {
    return this.mux.socket.address().port;
  }

  /** As werift's: to `addr`, or to the last sender. Addresses are IPs here (werift resolves mDNS candidates first). */
  send = async (data: Buffer, addr?: [string, number]): Promise<void> => {
    if (this.closed) return;
    const to = addr ?? (this.rinfo ? [this.rinfo.address, this.rinfo.port] : null);
    if (!to) return;
    this.mux.socket.send(data, to[1], to[0]);
  };

  /** Leaves the mux (its routes go); the shared socket stays open for the other legs. */
  close = async (): Promise<void> => {
    this.closed = true;
    this.intercept = null;
    this.mux.remove(this);
  };

  /** A datagram from `rinfo` for this leg. */
  deliver(data: Buffer, rinfo: RemoteInfo): void {
    if (this.intercept !== null && this.intercept(data, rinfo)) return;
    this.rinfo = rinfo;
    this.onData(data, [rinfo.address, rinfo.port]);
  }
}

/** The shared socket, and which leg each peer address belongs to. */
export class UdpMux {
  /** Routes by the peer's port, then address: no string built per datagram. */
  private readonly routes = new Map<number, Route[]>();
  private readonly transports = new Set<MuxedTransport>();
  private closed = false;

  private constructor(
    readonly socket: Socket,
    /** The address the socket is bound to, and each leg's host candidate. */
    readonly address: string,
  ) {
    socket.on('message', (data, rinfo) => this.dispatch(data, rinfo));
  }

  /**
   * Binds the shared socket to `address`:`port` (0: any free port). Rejects when the port is
   * taken. `onError` hears what the socket reports later: a send whose hostname did not resolve
   * (a send to an IP address that fails is dropped without a report, as dgram drops any send
   * made without a callback).
   */
  static async open(address: string, port = 0, onError: (error: Error) => void = () => undefined): Promise<UdpMux> {
    let socket: Socket;
    try {
      socket = await bindMediaSocket(address, port);
    } catch (error) {
      throw new Error(`the media socket could not bind ${address}:${port}: ${(error as Error).message}`);
    }
    // A socket 'error' (a send whose hostname did not resolve) must not end every call: it goes to the owner.
    socket.on('error', onError);
    // A busy socket takes every call's frames at once: room for a few frames of every call.
    try {
      socket.setRecvBufferSize(4 * 1024 * 1024);
      socket.setSendBufferSize(4 * 1024 * 1024);
    } catch {
      // Capped by the kernel (net.core.rmem_max); the default still works, with less slack.
    }
    return new UdpMux(socket, address);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Legs on the mux now. */
  get size(): number {
    return this.transports.size;
  }

  /**
   * Gives a werift ICE agent (`Connection`, before it gathers) its host candidate on the shared
   * socket, and no other: it then opens no socket of its own. Returns the leg's transport, or
   * null (nothing changed) when werift's objects are not as expected: the leg then gathers its
   * own sockets, as without a mux.
   */
  attach(connection: unknown): MuxedTransport | null {
    if (this.closed || !isIceConnection(connection)) return null;
    const transport = new MuxedTransport(this, connection);
    const protocol = new StunProtocol();
    (protocol as unknown as { transport: MuxedTransport }).transport = transport;
    const receiver = protocol as unknown as { datagramReceived(data: Buffer, addr: [string, number]): void };
    transport.onData = (data, addr) => receiver.datagramReceived(data, addr);
    connection.ensureProtocol(protocol);
    protocol.localIp = this.address;
    protocol.localCandidate = new Candidate(
      candidateFoundation('host', 'udp', this.address),
      1,
      'udp',
      candidatePriority('host', { transport: 'udp' }),
      this.address,
      this.port,
      'host',
      undefined,
      undefined,
      undefined,
      connection.generation,
      connection.localUsername,
    );
    connection.protocols.push(protocol);
    connection.pairLocalProtocol(protocol);
    // Gather nothing else: werift skips the address it has a candidate on; no host addresses besides.
    connection.options.useIpv4 = false;
    connection.options.useIpv6 = false;
    connection.options.additionalHostAddresses = [];
    this.transports.add(transport);
    return transport;
  }

  /** Removes a leg and its routes. */
  remove(transport: MuxedTransport): void {
    this.transports.delete(transport);
    for (const [port, routes] of this.routes) {
      const kept = routes.filter((route) => route.transport !== transport);
      if (kept.length === 0) this.routes.delete(port);
      else if (kept.length !== routes.length) this.routes.set(port, kept);
    }
  }

  /** Closes the shared socket (every leg's media stops). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const transport of this.transports) transport.closed = true;
    this.transports.clear();
    this.routes.clear();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private dispatch(data: Buffer, rinfo: RemoteInfo): void {
    const routes = this.routes.get(rinfo.port);
    if (routes !== undefined) {
      for (let i = 0; i < routes.length; i++) {
        const route = routes[i]!;
        if (route.address === rinfo.address) return route.transport.deliver(data, rinfo);
      }
    }
    // A new peer address: only a Binding request to one of our legs binds it: its USERNAME
    // names the leg's fragment and its MESSAGE-INTEGRITY verifies with the leg's password
    // (werift's fragments are 4 hex characters: among 300 legs two share one about half the
    // time; their passwords tell them apart).
    const ufrag = bindingRequestTarget(data);
    if (ufrag === null) return;
    for (const transport of this.transports) {
      const { connection } = transport;
      if (connection.localUsername !== ufrag || readStun(data, stunKey(connection.localPassword)) === null) continue;
      const route = { address: rinfo.address, transport };
      if (routes) routes.push(route);
      else this.routes.set(rinfo.port, [route]);
      transport.deliver(data, rinfo);
      return;
    }
  }
}
