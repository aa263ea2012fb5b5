/**
 * Every output kind this recorder has, in one list: adding a kind is a folder with its descriptor
 * (`<kind>/kind.ts`, see kind.ts) and one line here.
 */
import { fileKind } from './file/kind';
import { hlsKind } from './hls/kind';
import type { BaseRequest, OutputKindSpec } from './kind';
import { rtmpKind } from './rtmp/kind';
import { thumbnailsKind } from './thumbnails/kind';
import { tracksKind } from './tracks/kind';

/** In this order: a kind's `complete` sees the outputs the kinds before it added (tracks see a stream's local copy). */
export const OUTPUT_KINDS = [fileKind, rtmpKind, hlsKind, thumbnailsKind, tracksKind] as const;

type RequestOf<K> = K extends OutputKindSpec<infer R> ? R : never;

/** What an edge asks for, parsed from its own wire format: one of the kinds' requests. */
export type OutputRequest = RequestOf<(typeof OUTPUT_KINDS)[number]>;
export type OutputKind = OutputRequest['kind'];

/** The descriptor of a kind, by its name. */
export function kindSpec(kind: string): OutputKindSpec<BaseRequest> | undefined {
  return (OUTPUT_KINDS as readonly OutputKindSpec<BaseRequest>[]).find((k) => k.kind === kind);
}

/** Every descriptor, as their common type. */
export function allKinds(): readonly OutputKindSpec<BaseRequest>[] {
  return OUTPUT_KINDS;
}
