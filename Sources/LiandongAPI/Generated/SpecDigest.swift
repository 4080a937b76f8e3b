// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "81ed49d8301c8754d8f78286a54597b9e4d70e992060edd790bc6712a873c079"
