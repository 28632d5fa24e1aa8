package dev.happyview.simnet;

/** How a backfill fetches records: paging {@code listRecords} or one verified {@code getRepo} CAR per repo. */
public enum Strategy { LIST_RECORDS, GET_REPO }
