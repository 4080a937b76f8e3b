// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "5aabee7abd504fd8725f599a9a94c3b286caf6d0512e7bee5394b71213593cd3"
