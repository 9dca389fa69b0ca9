/**
 * Whether the engine's id for a built image names an image the registry holds. The classic image
 * store's id is the image's config digest; the containerd image store's (Docker 29's default for
 * new installs) is the digest of the manifest it stored, or of the index holding it, which the
 * engine pushes unchanged, so the registry serves it under the same digest. Either digest commits
 * to the whole image. (moby's classic builder on that store: `createImageOCI` in
 * daemon/containerd/image_builder.go writes an OCI manifest and returns
 * `dimage.ID(createdImage.Target.Digest)`, the manifest's digest.)
 */
export function namesBuiltImage(builtImageId: string, configDigest: string | undefined, ...manifestDigests: readonly string[]): boolean {
  return builtImageId === configDigest || manifestDigests.includes(builtImageId);
}
