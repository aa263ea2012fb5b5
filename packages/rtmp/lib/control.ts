/**
 * Pure: what a publisher answers to the ingest's control messages, and when it acknowledges what it
 * received. Pings are answered at once (nginx-rtmp drops a client that does not answer within its
 * ping_timeout); received bytes are acknowledged each time the ingest's window is crossed; a new peer
 * bandwidth is answered with the same window size (Adobe's RTMP specification, 5.4 and 7.1.7).
 */
import type { RtmpMessage } from './chunk';
import * as m from './messages';

/** The window before the ingest has said one (ffmpeg's default). */
const DEFAULT_WINDOW = 2_500_000;

export class ControlState {
  private window = DEFAULT_WINDOW;
  private received = 0;
  private acknowledged = 0;
  private peerBandwidth: number | undefined;

  /** Counts bytes read from the ingest; returns the acknowledgement to send, if the window was crossed. */
  bytesReceived(n: number): RtmpMessage | undefined {
    this.received += n;
    if (this.received - this.acknowledged < this.window) return undefined;
    this.acknowledged = this.received;
    return m.acknowledgement(this.received);
  }

  /** The answers to one message from the ingest (none for anything that needs none). */
  answer(msg: RtmpMessage): RtmpMessage[] {
    switch (msg.type) {
      case m.MSG_WINDOW_ACK_SIZE:
        if (msg.payload.length >= 4) this.window = Math.max(1, msg.payload.readUInt32BE(0));
        return [];
      case m.MSG_SET_PEER_BANDWIDTH: {
        if (msg.payload.length < 4) return [];
        const size = msg.payload.readUInt32BE(0);
        if (size === this.peerBandwidth) return [];
        this.peerBandwidth = size;
        return [m.windowAckSize(size)];
      }
      case m.MSG_USER_CONTROL: {
        const uc = m.readUserControl(msg.payload);
        return uc?.event === m.UC_PING_REQUEST ? [m.pingResponse(uc.value)] : [];
      }
      default:
        return [];
    }
  }
}
