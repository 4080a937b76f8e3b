// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "77ecef7fbd66076e9b9fd3183d42b0111caeffe1d37fe2891a79309f517364b8"
