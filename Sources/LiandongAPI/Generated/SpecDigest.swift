// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "5a1b97272603160a3d23a68291f4923a66a608140478b16a58830ca4e8160a67"
