export const never = true
