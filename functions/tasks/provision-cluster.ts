import * as steps from '../../shared/use-cases/provision-cluster-steps';
import { task } from './task';

export const requestControlPlane = task('requestControlPlane', steps.requestControlPlane);
export const checkControlPlane = task('checkControlPlane', steps.checkControlPlane);
export const applyBaseline = task('applyBaseline', steps.applyBaseline);
export const completeProvisioning = task('completeProvisioning', steps.completeProvisioning);
export const failProvisioning = task('failProvisioning', steps.failProvisioning);
