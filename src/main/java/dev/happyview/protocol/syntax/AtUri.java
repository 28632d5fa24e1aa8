package dev.happyview.protocol.syntax;

/**
 * An AT-URI: {@code at://<did or handle>[/<collection NSID>[/<record key>]]}, at most 8 KiB. Query strings and
 * fragments are not used by this service and are rejected.
 */
public record AtUri(String authority, String collection, String rkey) {

    public static AtUri parse(String s) {
        if (s == null || s.length() > 8192 || !s.startsWith("at://")) throw new InvalidSyntaxException("AT-URI", s);
        String rest = s.substring(5);
        String[] parts = rest.split("/", -1);
        if (parts.length > 3) throw new InvalidSyntaxException("AT-URI", s);
        String authority = parts[0];
        if (!Did.isValid(authority) && !Handle.isValid(authority)) throw new InvalidSyntaxException("AT-URI", s);
        String collection = parts.length > 1 ? parts[1] : null;
        if (collection != null && !Nsid.isValid(collection)) throw new InvalidSyntaxException("AT-URI", s);
        String rkey = parts.length > 2 ? parts[2] : null;
        if (rkey != null && !RecordKey.isValid(rkey)) throw new InvalidSyntaxException("AT-URI", s);
        return new AtUri(authority, collection, rkey);
    }

    public static boolean isValid(String s) {
        try {
            parse(s);
            return true;
        } catch (InvalidSyntaxException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "at://" + authority + (collection == null ? "" : "/" + collection + (rkey == null ? "" : "/" + rkey));
    }
}
