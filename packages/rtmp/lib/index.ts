/**
 * @jibri-ts/rtmp: an RTMP(S) publisher and the FLV it carries, with Node's own modules only. publishRtmp
 * connects to one ingest (TCP or TLS with the certificate verified, the handshake, connect with the
 * adobe/llnw challenge-response, publish) and takes FLV tag bodies as RTMP messages; FlvReader cuts an
 * FLV byte stream (ffmpeg's flv muxer) into those tags; parseRtmpUrl reads a URL as ffmpeg does. Nothing
 * here logs, and errors never carry the stream name or the credentials.
 */
export { publishRtmp, PublishError, cleanServerText, type MediaKind, type Publication, type PublishFailureKind, type PublishOptions } from './publisher';
export { encodeTag, FlvError, FlvReader, TAG_AUDIO, TAG_SCRIPT, TAG_VIDEO, tagKind, writeFlv, type FlvTag, type TagKind } from './flv';
export { parseRtmpUrl, RTMP_PORT, RTMPS_PORT, type EndpointResult, type RtmpEndpoint } from './url';
export type { Credentials } from './auth';
export { Amf0EcmaArray, Amf0Error, decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from './amf0';
