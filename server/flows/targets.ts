/** Moved to common/ so the console's flow forms use the same schema; kept here for the server's imports. */
export * from '../../common/route-targets';
