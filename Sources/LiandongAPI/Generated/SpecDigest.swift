// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "034d8bf95be7a82e3f59153bcf2fde4f1c19a8517a1f3f2563c3a81ab0aecbd4"
