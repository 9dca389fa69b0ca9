import { createCipheriv, createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** The shape of a generated benchmark image. */
export interface FixtureShape {
  /** Name in the table. */
  readonly name: string;
  /** Bytes of each data layer (one `COPY` each). */
  readonly layerBytes: readonly number[];
}

/** ~400 MB in 10 layers on the busybox base: 9 data layers and the small app layer last. */
export const LARGE: FixtureShape = { name: 'large (~400 MB, 10 layers)', layerBytes: Array(9).fill(44 * 1024 * 1024) };
/** The size of the old busybox-app fixture: one small data layer and the app layer. */
export const SMALL: FixtureShape = { name: 'small (~256 KB, 2 layers)', layerBytes: [256 * 1024] };

/**
 * Deterministic bytes for `seed`: AES-CTR keystream (fast), with every other
 * 4 KiB block zeroed so gzip (as `docker push` applies) gets about 2:1, like real layers.
 */
export function generatedBytes(seed: string, size: number): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  const data = cipher.update(Buffer.alloc(size));
  for (let offset = 4096; offset < size; offset += 8192) data.fill(0, offset, Math.min(offset + 4096, size));
  return data;
}

/**
 * Writes the fixture's build context under `dir`: data files whose content
 * depends only on `seed`, an app layer holding `version`, and a Dockerfile
 * with its labels (before the data, as docker/prefect-base sets them) and one `COPY` per layer
 * (no `RUN`: the layers are the data, nothing else varies).
 */
export function writeFixture(dir: string, shape: FixtureShape, seed: string, version: string): void {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'app'), { recursive: true });
  // Labelled in the Dockerfile from image-builder's build args, as docker/prefect-base is: a label
  // image-builder has to add through the API costs the classic builder one more committed step.
  const lines = [
    'ARG BASE_IMAGE', 'FROM ${BASE_IMAGE}', 'ARG VERSION=""',
    'LABEL org.opencontainers.image.title="bench-fixture" org.opencontainers.image.version="${VERSION}"',
  ];
  shape.layerBytes.forEach((bytes, i) => {
    const name = `layer-${String(i + 1).padStart(2, '0')}.bin`;
    writeFileSync(path.join(dir, 'data', name), generatedBytes(`${seed}/${name}`, bytes));
    lines.push(`COPY data/${name} /data/${name}`);
  });
  writeAppLayer(dir, version);
  lines.push('COPY app/ /app/', 'CMD ["/bin/cat", "/app/version.txt"]');
  writeFileSync(path.join(dir, 'Dockerfile'), `${lines.join('\n')}\n`);
}

/** Changes only the last (small) layer. */
export function writeAppLayer(dir: string, version: string): void {
  writeFileSync(path.join(dir, 'app', 'version.txt'), `${version}\n`);
}
