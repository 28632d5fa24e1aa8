package dev.happyview.backfill;

import java.util.List;

/** What to fetch for one repo: its DID, its PDS, the target collections it holds, and whether to prune. */
record RepoWork(String did, String pdsEndpoint, List<String> collections, boolean prune) {}
