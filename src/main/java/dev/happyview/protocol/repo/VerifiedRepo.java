package dev.happyview.protocol.repo;

/**
 * What a successful verification saw.
 *
 * @param commit the signed root commit
 * @param records every record in the MST (all collections)
 * @param delivered records handed to the consumer (wanted collections only)
 * @param blocks blocks in the CAR, duplicates included
 * @param carBytes size of the CAR stream
 */
public record VerifiedRepo(Commit commit, long records, long delivered, int blocks, long carBytes) {}
