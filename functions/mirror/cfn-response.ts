/** The shared custom-resource response sender (moved to functions/common so the Runs app uses the same one). */
export * from '../common/cfn-response';
