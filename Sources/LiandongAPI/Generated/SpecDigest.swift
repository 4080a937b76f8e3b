// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "2578bbe555ae04b6ce5ebc0eae2b67fbb0c1c2a19f6082a272abd84b0b6f2ce4"
