// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "ffb2c73fa7baca9d7b57d51fb30885df05fac2e51eddf2fd9d7a3cd8ae639b60"
