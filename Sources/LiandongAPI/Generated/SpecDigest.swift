// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "e7bf2c84a69af0eb306e5cc54dae252be2df09190813c94df711b396a9e03432"
