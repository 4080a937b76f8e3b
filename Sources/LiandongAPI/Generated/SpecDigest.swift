// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "d6ea681cfb60535cf308de7b846444fccb9ca83d7134f40c30b22534b0b9df8c"
