//! A lossless Dockerfile parser following BuildKit's grammar, with byte spans, and its conversion into ImageSpec.
