// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "3ba39abacdab2aed777ecafc45d53d36e6b8c3aac2f7f2a98282c1292d6e02ab"
