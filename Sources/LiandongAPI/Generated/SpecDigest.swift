// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "1562962a2faf39de2d66d07b4fefe2723735973df18989c40e674d24a60c8163"
