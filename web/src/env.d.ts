/** True in the local cloud's build (demo users on the sign-in page), false in the AWS build. */
declare const __LOCAL__: boolean;
