// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "b286c9fd760e15be7162be651fda55d9b2431161753f08359a74d1f7f70276c5"
