// swift-format-ignore-file
// Written by scripts/generate-openapi with the code beside it; do not edit.
/// The SHA-256 of the Protocol/openapi.yaml this folder was generated from.
public let generatedFromSpecSHA256 = "c733a2cb8dbdf046af4e380c3ac64ccffe5fb5bfd22036bb8d2386ef1e76cc86"
