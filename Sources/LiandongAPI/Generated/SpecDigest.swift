// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "0ef7d80e6247a3e31998317fb7a9c658e7b7dc00e68dac20878e77805de53188"
