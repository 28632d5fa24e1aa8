package dev.happyview.api;

/** The error shape of every failed admin request. */
public record ErrorBody(String error, String message) {}
