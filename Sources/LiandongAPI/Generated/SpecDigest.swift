// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "7aa7d617c79bf4cf23c2b53b66a2d53015761153e0434c9ba40b462745d6ed0e"
