// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "3bfbfc5d35182bbb927ec84f09fc99b2e453650431c0b7ec12b169d1a2855ad3"
