package dev.happyview.protocol.identity;

/** The {@code #atproto} verification method of a DID document, as published (parsed by the crypto package). */
public record VerificationKey(String type, String publicKeyMultibase) {}
