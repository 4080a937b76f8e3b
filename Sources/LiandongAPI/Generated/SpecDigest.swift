// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "47d62951bbaef5f80d72e926d81b83a339de0d6ece177a8c5085d84058ca4f8a"
