// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "2b1f11cb1baa1c2ad6e4264b38e20bbc2025e51ff394818d23de57b14f4e565c"
