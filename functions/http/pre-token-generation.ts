/**
 * Cognito pre-token-generation trigger (event version 2): API Gateway's JWT authorizer is given access
 * tokens, and Cognito puts custom attributes only in ID tokens, so the caller's zone scope
 * (`custom:zones`) is copied into the access token here. A user in no group signed up by themselves,
 * which only investors do: they get the `investor` group in their tokens. Officials, zone managers and
 * admins are put in their groups by an administrator.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { ZONES_CLAIM } from '#shared/http/roles.ts';

export const handler = async (event: PreTokenGenerationV2TriggerEvent) => {
  const groups = event.request.groupConfiguration.groupsToOverride ?? [];
  const zones = event.request.userAttributes[ZONES_CLAIM];
  event.response = {
    claimsAndScopeOverrideDetails: {
      accessTokenGeneration: { claimsToAddOrOverride: zones ? { [ZONES_CLAIM]: zones } : {} },
      ...(groups.length === 0 ? { groupOverrideDetails: { groupsToOverride: ['investor'] } } : {}),
    },
  };
  return event;
};
