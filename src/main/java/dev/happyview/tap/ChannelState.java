package dev.happyview.tap;

/** The state of the connection to Tap's {@code /channel}, as the stats endpoint shows it. */
public enum ChannelState { CONNECTING, CONNECTED, DISCONNECTED, UNAUTHORIZED, STOPPED }
